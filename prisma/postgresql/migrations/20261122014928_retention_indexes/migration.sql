-- CreateIndex
CREATE INDEX "OutboundEvent_status_createdAt_idx" ON "OutboundEvent"("status", "createdAt");

-- CreateIndex
CREATE INDEX "WebhookDelivery_status_receivedAt_idx" ON "WebhookDelivery"("status", "receivedAt");

