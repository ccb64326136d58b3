-- AlterTable
ALTER TABLE "CustomerDataExport" ADD COLUMN     "webhookId" TEXT;

-- AlterTable
ALTER TABLE "SyncSetting" ADD COLUMN     "enabledAt" TIMESTAMP(3);

-- CreateIndex
CREATE UNIQUE INDEX "CustomerDataExport_webhookId_key" ON "CustomerDataExport"("webhookId");

