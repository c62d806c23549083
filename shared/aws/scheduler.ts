import { ConflictException, CreateScheduleCommand, DeleteScheduleCommand, ResourceNotFoundException, SchedulerClient } from "@aws-sdk/client-scheduler";
import { type BroadcastSchedules, scheduleName } from "../broadcasts/schedules.ts";

/**
 * Newsletters' one-time schedules in EventBridge Scheduler. Only the broadcast scheduler function
 * bundles this client (no HTTP function does: their bundles carry the route table and are near
 * their budget).
 */
export class EventBridgeSchedules implements BroadcastSchedules {
  private readonly client: SchedulerClient;
  private readonly target: string;
  private readonly roleArn: string;
  /** @param target the function the schedule invokes; @param roleArn the role the Scheduler assumes to invoke it. */
  constructor(region: string, target: string, roleArn: string) {
    this.client = new SchedulerClient({ region });
    this.target = target;
    this.roleArn = roleArn;
  }

  async create(id: string, at: string): Promise<void> {
    try {
      await this.client.send(
        new CreateScheduleCommand({
          Name: scheduleName(id, at),
          // `at()` takes a local date-time in ScheduleExpressionTimezone, to the second.
          ScheduleExpression: `at(${at.slice(0, 19)})`,
          ScheduleExpressionTimezone: "UTC",
          FlexibleTimeWindow: { Mode: "OFF" },
          ActionAfterCompletion: "DELETE",
          Target: { Arn: this.target, RoleArn: this.roleArn, Input: JSON.stringify({ broadcastId: id, at }) },
          Description: `Starts newsletter ${id}`,
        }),
      );
    } catch (err) {
      if (!(err instanceof ConflictException)) throw err;
    }
  }

  async remove(id: string, at: string): Promise<void> {
    try {
      await this.client.send(new DeleteScheduleCommand({ Name: scheduleName(id, at) }));
    } catch (err) {
      if (!(err instanceof ResourceNotFoundException)) throw err;
    }
  }
}
