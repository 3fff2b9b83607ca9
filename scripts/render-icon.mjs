// Renders media/icon.svg to media/icon.png (128×128) with Debian's Chromium: the marketplace wants a PNG.
import { chromium } from "playwright-core";
import { readFileSync } from "node:fs";

const svg = readFileSync(new URL("../media/icon.svg", import.meta.url), "utf8");
const browser = await chromium.launch({ executablePath: "/usr/bin/chromium", args: ["--no-sandbox", "--disable-gpu"] });
try {
  const page = await browser.newPage({ viewport: { width: 128, height: 128 } });
  await page.setContent(`<html><body style="margin:0;background:transparent">${svg}</body></html>`);
  await page.locator("svg").screenshot({ path: new URL("../media/icon.png", import.meta.url).pathname, omitBackground: true });
} finally {
  await browser.close();
}
