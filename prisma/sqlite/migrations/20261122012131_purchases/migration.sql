-- CreateTable
CREATE TABLE "Purchase" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "shop" TEXT NOT NULL,
    "orderId" TEXT NOT NULL,
    "orderName" TEXT,
    "orderNumber" TEXT,
    "customerId" TEXT,
    "email" TEXT,
    "currency" TEXT NOT NULL,
    "totalPrice" TEXT NOT NULL,
    "presentmentCurrency" TEXT,
    "presentmentTotal" TEXT,
    "discountCodes" TEXT NOT NULL DEFAULT '[]',
    "lineItems" TEXT NOT NULL DEFAULT '[]',
    "sourceName" TEXT,
    "tags" TEXT NOT NULL DEFAULT '',
    "test" BOOLEAN NOT NULL DEFAULT false,
    "orderCreatedAt" DATETIME NOT NULL,
    "processedAt" DATETIME,
    "sourceUpdatedAt" DATETIME NOT NULL,
    "status" TEXT NOT NULL,
    "excludedReason" TEXT,
    "forwardAt" DATETIME,
    "decidedAt" DATETIME,
    "forwardedAt" DATETIME,
    "refundedAt" DATETIME,
    "mismatch" BOOLEAN NOT NULL DEFAULT false,
    "mismatchFields" TEXT,
    "redactedAt" DATETIME,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" DATETIME NOT NULL
);

-- CreateTable
CREATE TABLE "PurchaseRefund" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "shop" TEXT NOT NULL,
    "refundId" TEXT NOT NULL,
    "orderId" TEXT NOT NULL,
    "amount" TEXT NOT NULL,
    "currency" TEXT,
    "lineItems" TEXT NOT NULL DEFAULT '[]',
    "refundCreatedAt" DATETIME NOT NULL,
    "forwardedAt" DATETIME,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP
);

-- CreateIndex
CREATE INDEX "Purchase_shop_status_idx" ON "Purchase"("shop", "status");

-- CreateIndex
CREATE INDEX "Purchase_shop_orderCreatedAt_idx" ON "Purchase"("shop", "orderCreatedAt");

-- CreateIndex
CREATE UNIQUE INDEX "Purchase_shop_orderId_key" ON "Purchase"("shop", "orderId");

-- CreateIndex
CREATE INDEX "PurchaseRefund_shop_orderId_idx" ON "PurchaseRefund"("shop", "orderId");

-- CreateIndex
CREATE UNIQUE INDEX "PurchaseRefund_shop_refundId_key" ON "PurchaseRefund"("shop", "refundId");

