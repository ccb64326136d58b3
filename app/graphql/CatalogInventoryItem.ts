/**
 * After an inventory_levels/update: the variant's stock summed over every location. The webhook carries the level
 * of one location only, so the total is read rather than computed from it.
 */
export const CATALOG_INVENTORY_ITEM_QUERY = `#graphql
  query CatalogInventoryItem($id: ID!) {
    inventoryItem(id: $id) {
      id
      variants(first: 1) {
        nodes {
          id
          inventoryQuantity
        }
      }
    }
  }
` as const;
