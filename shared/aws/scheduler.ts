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
  private readonly group: string;
  /**
   * @param options.target the function the schedule invokes; `roleArn` the role the Scheduler
   * assumes to invoke it; `group` the schedule group (the stack's own).
   */
  constructor(region: string, options: { target: string; roleArn: string; group: string }) {
    this.client = new SchedulerClient({ region });
    this.target = options.target;
    this.roleArn = options.roleArn;
    this.group = options.group;
  }

  async create(id: string, at: string): Promise<void> {
    try {
      await this.client.send(
        new CreateScheduleCommand({
          Name: scheduleName(id, at),
          GroupName: this.group,
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
      await this.client.send(new DeleteScheduleCommand({ Name: scheduleName(id, at), GroupName: this.group }));
    } catch (err) {
      if (!(err instanceof ResourceNotFoundException)) throw err;
    }
  }
}
