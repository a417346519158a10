// A message of a dead-letter topic as a row of the dead_letters table: the transform of that
// topic's BigQuery subscription (use_table_schema), doing for Pub/Sub what DeadLetterSink.record
// (shared/trendwatch/app/dead_letters.py) does locally; tests/unit/test_terraform.py runs both on
// the same messages. Terraform defines TOPIC, the dead-letter topic, before this code.
// By design, message_id is Pub/Sub's id of the dead letter (locally a hash of its content), and
// lake_object is null: the archive subscription batches dead letters into objects by time.
function deadLetterRow(message, metadata) {
  var attributes = message.attributes || {};
  var row = {
    subscription:
      attributes.CloudPubSubDeadLetterSourceSubscription || TOPIC.replace(/-dead-letter$/, ""),
    message_id: metadata.message_id,
    topic: TOPIC,
    reason: attributes.dead_letter_reason || "delivery attempts exhausted",
    delivery_attempts: parseInt(attributes.CloudPubSubDeadLetterSourceDeliveryCount || "1", 10),
    attributes: attributes,
    payload: message.data,
    lake_object: null,
    dead_lettered_at: metadata.publish_time || new Date().toISOString(),
  };
  return { data: JSON.stringify(row), attributes: attributes };
}
