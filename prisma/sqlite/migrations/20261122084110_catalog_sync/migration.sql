-- CreateTable
CREATE TABLE "CatalogFeed" (
    "shop" TEXT NOT NULL PRIMARY KEY,
    "token" TEXT NOT NULL,
    "tokenHash" TEXT NOT NULL,
    "generation" INTEGER NOT NULL DEFAULT 0,
    "building" INTEGER,
    "exportId" TEXT,
    "exportMode" TEXT,
    "exportStartedAt" DATETIME,
    "progressDone" INTEGER NOT NULL DEFAULT 0,
    "progressTotal" INTEGER,
    "revision" INTEGER NOT NULL DEFAULT 0,
    "changedAt" DATETIME,
    "shopName" TEXT,
    "currency" TEXT,
    "shopUrl" TEXT,
    "variantCount" INTEGER,
    "lastExportAt" DATETIME,
    "lastExportMs" INTEGER,
    "lastExportMode" TEXT,
    "lastExportOutcome" TEXT,
    "lastExportError" TEXT,
    "lastSuccessAt" DATETIME,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" DATETIME NOT NULL
);

-- CreateTable
CREATE TABLE "CatalogProduct" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "shop" TEXT NOT NULL,
    "generation" INTEGER NOT NULL,
    "productId" TEXT NOT NULL,
    "title" TEXT NOT NULL,
    "handle" TEXT NOT NULL,
    "vendor" TEXT NOT NULL DEFAULT '',
    "url" TEXT,
    "active" BOOLEAN NOT NULL,
    "imageUrl" TEXT
);

-- CreateTable
CREATE TABLE "CatalogVariant" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "shop" TEXT NOT NULL,
    "generation" INTEGER NOT NULL,
    "variantId" TEXT NOT NULL,
    "productId" TEXT NOT NULL,
    "inventoryItemId" TEXT,
    "title" TEXT NOT NULL,
    "position" INTEGER NOT NULL DEFAULT 1,
    "sku" TEXT,
    "barcode" TEXT,
    "price" TEXT NOT NULL,
    "stock" INTEGER,
    "weight" TEXT,
    "weightUnit" TEXT,
    "imageUrl" TEXT,
    "options" TEXT NOT NULL DEFAULT '[]'
);

-- CreateTable
CREATE TABLE "CatalogCollection" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "shop" TEXT NOT NULL,
    "generation" INTEGER NOT NULL,
    "collectionId" TEXT NOT NULL,
    "title" TEXT NOT NULL
);

-- CreateTable
CREATE TABLE "CatalogMembership" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "shop" TEXT NOT NULL,
    "generation" INTEGER NOT NULL,
    "collectionId" TEXT NOT NULL,
    "productId" TEXT NOT NULL
);

-- CreateTable
CREATE TABLE "CatalogTouch" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "shop" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "refId" TEXT NOT NULL,
    "touchedAt" DATETIME NOT NULL
);

-- CreateIndex
CREATE UNIQUE INDEX "CatalogFeed_tokenHash_key" ON "CatalogFeed"("tokenHash");

-- CreateIndex
CREATE UNIQUE INDEX "CatalogProduct_shop_generation_productId_key" ON "CatalogProduct"("shop", "generation", "productId");

-- CreateIndex
CREATE INDEX "CatalogVariant_shop_generation_productId_variantId_idx" ON "CatalogVariant"("shop", "generation", "productId", "variantId");

-- CreateIndex
CREATE INDEX "CatalogVariant_shop_generation_inventoryItemId_idx" ON "CatalogVariant"("shop", "generation", "inventoryItemId");

-- CreateIndex
CREATE UNIQUE INDEX "CatalogVariant_shop_generation_variantId_key" ON "CatalogVariant"("shop", "generation", "variantId");

-- CreateIndex
CREATE UNIQUE INDEX "CatalogCollection_shop_generation_collectionId_key" ON "CatalogCollection"("shop", "generation", "collectionId");

-- CreateIndex
CREATE INDEX "CatalogMembership_shop_generation_productId_idx" ON "CatalogMembership"("shop", "generation", "productId");

-- CreateIndex
CREATE UNIQUE INDEX "CatalogMembership_shop_generation_collectionId_productId_key" ON "CatalogMembership"("shop", "generation", "collectionId", "productId");

-- CreateIndex
CREATE INDEX "CatalogTouch_shop_touchedAt_idx" ON "CatalogTouch"("shop", "touchedAt");

-- CreateIndex
CREATE UNIQUE INDEX "CatalogTouch_shop_kind_refId_key" ON "CatalogTouch"("shop", "kind", "refId");

