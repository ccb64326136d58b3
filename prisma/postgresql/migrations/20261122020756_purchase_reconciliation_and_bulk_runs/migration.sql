-- AlterTable
ALTER TABLE "Purchase" ADD COLUMN     "browserReportedAt" TIMESTAMP(3),
ADD COLUMN     "mismatchAt" TIMESTAMP(3);

-- CreateTable
CREATE TABLE "BrowserPurchase" (
    "id" TEXT NOT NULL,
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
    "occurredAt" TIMESTAMP(3) NOT NULL,
    "receivedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "purchaseOrderId" TEXT,
    "matchedAt" TIMESTAMP(3),
    "mismatchAt" TIMESTAMP(3),
    "redactedAt" TIMESTAMP(3),

    CONSTRAINT "BrowserPurchase_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "BulkRun" (
    "id" TEXT NOT NULL,
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
    "startedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "finishedAt" TIMESTAMP(3),
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "BulkRun_pkey" PRIMARY KEY ("id")
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

