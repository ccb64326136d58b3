-- CreateTable
CREATE TABLE "WebhookSubscription" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "shop" TEXT NOT NULL,
    "sync" TEXT NOT NULL,
    "topic" TEXT NOT NULL,
    "uri" TEXT NOT NULL,
    "shopifyId" TEXT,
    "status" TEXT NOT NULL DEFAULT 'pending',
    "liveKey" TEXT,
    "lastError" TEXT,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" DATETIME NOT NULL,
    "deletedAt" DATETIME
);

-- CreateTable
CREATE TABLE "PlatformConnection" (
    "shop" TEXT NOT NULL PRIMARY KEY,
    "destinationUrl" TEXT,
    "signingSecret" TEXT,
    "signingSecretCreatedAt" DATETIME,
    "apiKeyId" TEXT,
    "apiKeyHash" TEXT,
    "apiKeyCreatedAt" DATETIME,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" DATETIME NOT NULL
);

-- CreateTable
CREATE TABLE "OutboundEvent" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "shop" TEXT NOT NULL,
    "type" TEXT NOT NULL,
    "payload" TEXT NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'pending',
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "lastStatus" INTEGER,
    "lastError" TEXT,
    "nextAttemptAt" DATETIME,
    "deliveredAt" DATETIME,
    "dedupeKey" TEXT,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" DATETIME NOT NULL
);

-- RedefineTables
PRAGMA defer_foreign_keys=ON;
PRAGMA foreign_keys=OFF;
CREATE TABLE "new_SyncSetting" (
    "shop" TEXT NOT NULL,
    "sync" TEXT NOT NULL,
    "enabled" BOOLEAN NOT NULL DEFAULT false,
    "status" TEXT NOT NULL DEFAULT 'off',
    "options" TEXT NOT NULL DEFAULT '{}',
    "lastError" TEXT,
    "lastErrorAt" DATETIME,
    "lastEventAt" DATETIME,
    "version" INTEGER NOT NULL DEFAULT 0,
    "updatedAt" DATETIME NOT NULL,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,

    PRIMARY KEY ("shop", "sync")
);
INSERT INTO "new_SyncSetting" ("createdAt", "enabled", "options", "shop", "sync", "updatedAt") SELECT "createdAt", "enabled", "options", "shop", "sync", "updatedAt" FROM "SyncSetting";
DROP TABLE "SyncSetting";
ALTER TABLE "new_SyncSetting" RENAME TO "SyncSetting";
PRAGMA foreign_keys=ON;
PRAGMA defer_foreign_keys=OFF;

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

