/** The schedule rule the scheduler and the connector API's `next_run_at` share (src/sync/sync-schedule.ts). */
import { test } from "node:test";
import assert from "node:assert/strict";
import { isScheduled, nextRunDue } from "../../src/sync/sync-schedule.js";

const created = "2026-12-07T10:00:00.000Z";
const c = (sync_interval_minutes: number, status: "enabled" | "disabled" = "enabled") => ({
  sync_interval_minutes,
  status,
  created_at: created,
});

test("due the interval after the newest job, or after the creation before the first", () => {
  assert.equal(nextRunDue(c(30), undefined), Date.parse(created) + 30 * 60_000);
  assert.equal(nextRunDue(c(30), "2026-12-07T11:15:00.000Z"), Date.parse("2026-12-07T11:45:00.000Z"));
});

test("no schedule (0) or disabled: never due", () => {
  assert.equal(nextRunDue(c(0), undefined), null);
  assert.equal(nextRunDue(c(60, "disabled"), "2026-12-07T11:15:00.000Z"), null);
  assert.equal(isScheduled(c(0)), false);
  assert.equal(isScheduled(c(60, "disabled")), false);
  assert.equal(isScheduled(c(1)), true);
});
