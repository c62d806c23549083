import type { _Record, AttributeValue as SdkAttributeValue } from "@aws-sdk/client-dynamodb-streams";
import type { AttributeValue, DynamoDBRecord } from "aws-lambda";

/**
 * A record as Lambda delivers it (the event's JSON): creation time in epoch seconds, binary
 * values base64, the stream's ARN as `eventSourceARN`.
 */
export function toLambdaRecord(record: _Record, streamArn: string): DynamoDBRecord {
  const stream = record.dynamodb ?? {};
  return {
    eventID: record.eventID,
    eventName: record.eventName,
    eventVersion: record.eventVersion,
    eventSource: record.eventSource,
    awsRegion: record.awsRegion,
    eventSourceARN: streamArn,
    dynamodb: {
      ...(stream.ApproximateCreationDateTime ? { ApproximateCreationDateTime: Math.floor(stream.ApproximateCreationDateTime.getTime() / 1000) } : {}),
      ...(stream.Keys ? { Keys: image(stream.Keys) } : {}),
      ...(stream.NewImage ? { NewImage: image(stream.NewImage) } : {}),
      ...(stream.OldImage ? { OldImage: image(stream.OldImage) } : {}),
      SequenceNumber: stream.SequenceNumber,
      SizeBytes: stream.SizeBytes,
      StreamViewType: stream.StreamViewType,
    },
    ...(record.userIdentity ? { userIdentity: { type: record.userIdentity.Type, principalId: record.userIdentity.PrincipalId } } : {}),
  };
}

function image(item: Record<string, SdkAttributeValue>): Record<string, AttributeValue> {
  return Object.fromEntries(Object.entries(item).map(([name, value]) => [name, attribute(value)]));
}

function attribute(value: SdkAttributeValue): AttributeValue {
  // DynamoDB Local writes an empty map as `{}` in stream records (the table keeps `{"M":{}}`).
  // Nothing else can be empty (sets cannot), so this is the one repair needed.
  if (Object.keys(value).length === 0) return { M: {} };
  if (value.B !== undefined) return { B: Buffer.from(value.B).toString("base64") };
  if (value.BS !== undefined) return { BS: value.BS.map((b) => Buffer.from(b).toString("base64")) };
  if (value.M !== undefined) return { M: image(value.M) };
  if (value.L !== undefined) return { L: value.L.map(attribute) };
  return value as AttributeValue;
}
