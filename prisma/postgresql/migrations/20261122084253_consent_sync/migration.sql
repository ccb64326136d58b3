-- CreateTable
CREATE TABLE "ConsentRecord" (
    "id" TEXT NOT NULL,
    "shop" TEXT NOT NULL,
    "customerId" TEXT NOT NULL,
    "channel" TEXT NOT NULL,
    "address" TEXT,
    "state" TEXT NOT NULL,
    "optInLevel" TEXT,
    "consentAt" TIMESTAMP(3),
    "collectedFrom" TEXT,
    "source" TEXT NOT NULL,
    "wroteState" TEXT,
    "wroteAt" TIMESTAMP(3),
    "changedAt" TIMESTAMP(3) NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "ConsentRecord_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ConsentChange" (
    "id" TEXT NOT NULL,
    "shop" TEXT NOT NULL,
    "channel" TEXT NOT NULL,
    "key" TEXT NOT NULL,
    "email" TEXT,
    "phone" TEXT,
    "state" TEXT NOT NULL,
    "optInLevel" TEXT,
    "decidedAt" TIMESTAMP(3) NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'pending',
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "customerId" TEXT,
    "created" BOOLEAN NOT NULL DEFAULT false,
    "reason" TEXT,
    "receivedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "processedAt" TIMESTAMP(3),

    CONSTRAINT "ConsentChange_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "ConsentRecord_shop_channel_address_idx" ON "ConsentRecord"("shop", "channel", "address");

-- CreateIndex
CREATE INDEX "ConsentRecord_shop_channel_state_idx" ON "ConsentRecord"("shop", "channel", "state");

-- CreateIndex
CREATE INDEX "ConsentRecord_shop_source_changedAt_idx" ON "ConsentRecord"("shop", "source", "changedAt");

-- CreateIndex
CREATE UNIQUE INDEX "ConsentRecord_shop_customerId_channel_key" ON "ConsentRecord"("shop", "customerId", "channel");

-- CreateIndex
CREATE INDEX "ConsentChange_shop_status_receivedAt_idx" ON "ConsentChange"("shop", "status", "receivedAt");

-- CreateIndex
CREATE INDEX "ConsentChange_shop_key_channel_status_idx" ON "ConsentChange"("shop", "key", "channel", "status");

-- CreateIndex
CREATE INDEX "ConsentChange_shop_processedAt_idx" ON "ConsentChange"("shop", "processedAt");

