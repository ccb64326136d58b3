-- AlterTable
ALTER TABLE "SyncSetting" ADD COLUMN     "lastError" TEXT,
ADD COLUMN     "lastErrorAt" TIMESTAMP(3),
ADD COLUMN     "lastEventAt" TIMESTAMP(3),
ADD COLUMN     "status" TEXT NOT NULL DEFAULT 'off',
ADD COLUMN     "version" INTEGER NOT NULL DEFAULT 0;

-- CreateTable
CREATE TABLE "WebhookSubscription" (
    "id" TEXT NOT NULL,
    "shop" TEXT NOT NULL,
    "sync" TEXT NOT NULL,
    "topic" TEXT NOT NULL,
    "uri" TEXT NOT NULL,
    "shopifyId" TEXT,
    "status" TEXT NOT NULL DEFAULT 'pending',
    "liveKey" TEXT,
    "lastError" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,
    "deletedAt" TIMESTAMP(3),

    CONSTRAINT "WebhookSubscription_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "PlatformConnection" (
    "shop" TEXT NOT NULL,
    "destinationUrl" TEXT,
    "signingSecret" TEXT,
    "signingSecretCreatedAt" TIMESTAMP(3),
    "apiKeyId" TEXT,
    "apiKeyHash" TEXT,
    "apiKeyCreatedAt" TIMESTAMP(3),
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "PlatformConnection_pkey" PRIMARY KEY ("shop")
);

-- CreateTable
CREATE TABLE "OutboundEvent" (
    "id" TEXT NOT NULL,
    "shop" TEXT NOT NULL,
    "type" TEXT NOT NULL,
    "payload" TEXT NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'pending',
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "lastStatus" INTEGER,
    "lastError" TEXT,
    "nextAttemptAt" TIMESTAMP(3),
    "deliveredAt" TIMESTAMP(3),
    "dedupeKey" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "OutboundEvent_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "WebhookSubscription_liveKey_key" ON "WebhookSubscription"("liveKey");

-- CreateIndex
CREATE INDEX "WebhookSubscription_shop_sync_idx" ON "WebhookSubscription"("shop", "sync");

-- CreateIndex
CREATE INDEX "WebhookSubscription_shop_status_idx" ON "WebhookSubscription"("shop", "status");

-- CreateIndex
CREATE UNIQUE INDEX "PlatformConnection_apiKeyId_key" ON "PlatformConnection"("apiKeyId");

-- CreateIndex
CREATE UNIQUE INDEX "OutboundEvent_dedupeKey_key" ON "OutboundEvent"("dedupeKey");

-- CreateIndex
CREATE INDEX "OutboundEvent_shop_createdAt_idx" ON "OutboundEvent"("shop", "createdAt");

-- CreateIndex
CREATE INDEX "OutboundEvent_shop_status_idx" ON "OutboundEvent"("shop", "status");

