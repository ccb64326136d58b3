-- AlterTable
ALTER TABLE "CustomerDataExport" ADD COLUMN "webhookId" TEXT;

-- AlterTable
ALTER TABLE "SyncSetting" ADD COLUMN "enabledAt" DATETIME;

-- CreateIndex
CREATE UNIQUE INDEX "CustomerDataExport_webhookId_key" ON "CustomerDataExport"("webhookId");

