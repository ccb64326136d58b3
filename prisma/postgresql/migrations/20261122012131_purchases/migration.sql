-- CreateTable
CREATE TABLE "Purchase" (
    "id" TEXT NOT NULL,
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
    "orderCreatedAt" TIMESTAMP(3) NOT NULL,
    "processedAt" TIMESTAMP(3),
    "sourceUpdatedAt" TIMESTAMP(3) NOT NULL,
    "status" TEXT NOT NULL,
    "excludedReason" TEXT,
    "forwardAt" TIMESTAMP(3),
    "decidedAt" TIMESTAMP(3),
    "forwardedAt" TIMESTAMP(3),
    "refundedAt" TIMESTAMP(3),
    "mismatch" BOOLEAN NOT NULL DEFAULT false,
    "mismatchFields" TEXT,
    "redactedAt" TIMESTAMP(3),
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "Purchase_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "PurchaseRefund" (
    "id" TEXT NOT NULL,
    "shop" TEXT NOT NULL,
    "refundId" TEXT NOT NULL,
    "orderId" TEXT NOT NULL,
    "amount" TEXT NOT NULL,
    "currency" TEXT,
    "lineItems" TEXT NOT NULL DEFAULT '[]',
    "refundCreatedAt" TIMESTAMP(3) NOT NULL,
    "forwardedAt" TIMESTAMP(3),
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "PurchaseRefund_pkey" PRIMARY KEY ("id")
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

