import type { SchedulerCall } from "../../protocol/protocol";
import type { ObjectProbe } from "../objectProbe";
import { servedBy } from "./sdkFrames";
import type { SchedulerFrame } from "./sdkFrames";
import { schedulesOf } from "./tracker";

/** The scheduler call's mark, with the schedules it serves among the object's rows as last read (see `servedBy`). */
export function schedulerCallOf(probe: ObjectProbe, frame: SchedulerFrame, at: number, scheduledTime: number | null): SchedulerCall {
  return servedBy(schedulesOf(probe).tables.get(frame.source)?.values(), frame, at, scheduledTime);
}
