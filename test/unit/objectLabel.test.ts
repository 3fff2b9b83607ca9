import assert from "node:assert/strict";
import { objectLabel, objectTooltip, shortId } from "../../extension/model/objectLabel";

const ID = "0f3a9c21" + "e".repeat(56);

describe("object labels", () => {
  it("uses the name when known", () => {
    assert.equal(objectLabel({ id: ID, name: "lobby" }), "lobby");
  });

  it("falls back to a short id for unnamed objects (and an empty name)", () => {
    assert.equal(objectLabel({ id: ID }), "0f3a9c21…");
    assert.equal(objectLabel({ id: ID, name: "" }), "0f3a9c21…");
    assert.equal(shortId("abc"), "abc");
  });

  it("puts the full id in the tooltip", () => {
    assert.equal(objectTooltip({ className: "Room", id: ID, name: "lobby" }, "app"), `Room “lobby”\nid ${ID}\nworker app`);
    assert.equal(objectTooltip({ className: "Room", id: ID }), `Room (unnamed)\nid ${ID}`);
  });
});
