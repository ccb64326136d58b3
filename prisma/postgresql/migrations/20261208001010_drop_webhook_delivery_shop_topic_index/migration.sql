-- DropIndex
DROP INDEX "WebhookDelivery_shop_topic_idx";

