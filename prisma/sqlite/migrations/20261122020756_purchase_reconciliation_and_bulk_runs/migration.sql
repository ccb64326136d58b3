-- AlterTable
ALTER TABLE "Purchase" ADD COLUMN "browserReportedAt" DATETIME;
ALTER TABLE "Purchase" ADD COLUMN "mismatchAt" DATETIME;

-- CreateTable
CREATE TABLE "BrowserPurchase" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "shop" TEXT NOT NULL,
    "eventId" TEXT NOT NULL,
    "orderId" TEXT,
    "orderName" TEXT,
    "checkoutToken" TEXT,
    "totalPrice" TEXT NOT NULL,
    "currency" TEXT NOT NULL,
    "email" TEXT,
    "itemCount" INTEGER NOT NULL,
    "lineItems" TEXT NOT NULL DEFAULT '[]',
    "occurredAt" DATETIME NOT NULL,
    "receivedAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "purchaseOrderId" TEXT,
    "matchedAt" DATETIME,
    "mismatchAt" DATETIME,
    "redactedAt" DATETIME
);

-- CreateTable
CREATE TABLE "BulkRun" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "shop" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "status" TEXT NOT NULL,
    "params" TEXT NOT NULL DEFAULT '{}',
    "bulkOperationId" TEXT,
    "objectCount" INTEGER NOT NULL DEFAULT 0,
    "linesTotal" INTEGER,
    "linesProcessed" INTEGER NOT NULL DEFAULT 0,
    "resultUrl" TEXT,
    "error" TEXT,
    "startedAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "finishedAt" DATETIME,
    "updatedAt" DATETIME NOT NULL
);

-- CreateIndex
CREATE INDEX "BrowserPurchase_shop_orderId_idx" ON "BrowserPurchase"("shop", "orderId");

-- CreateIndex
CREATE INDEX "BrowserPurchase_shop_orderName_idx" ON "BrowserPurchase"("shop", "orderName");

-- CreateIndex
CREATE INDEX "BrowserPurchase_shop_matchedAt_receivedAt_idx" ON "BrowserPurchase"("shop", "matchedAt", "receivedAt");

-- CreateIndex
CREATE UNIQUE INDEX "BrowserPurchase_shop_eventId_key" ON "BrowserPurchase"("shop", "eventId");

-- CreateIndex
CREATE INDEX "BulkRun_shop_kind_startedAt_idx" ON "BulkRun"("shop", "kind", "startedAt");

-- CreateIndex
CREATE INDEX "BulkRun_shop_status_idx" ON "BulkRun"("shop", "status");

-- CreateIndex
CREATE INDEX "BulkRun_bulkOperationId_idx" ON "BulkRun"("bulkOperationId");

