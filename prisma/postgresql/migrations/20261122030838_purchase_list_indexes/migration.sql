-- DropIndex
DROP INDEX "Purchase_shop_status_idx";

-- CreateIndex
CREATE INDEX "Purchase_shop_status_orderCreatedAt_idx" ON "Purchase"("shop", "status", "orderCreatedAt");

-- CreateIndex
CREATE INDEX "Purchase_shop_sourceName_orderCreatedAt_idx" ON "Purchase"("shop", "sourceName", "orderCreatedAt");

-- CreateIndex
CREATE INDEX "Purchase_shop_mismatch_orderCreatedAt_idx" ON "Purchase"("shop", "mismatch", "orderCreatedAt");

