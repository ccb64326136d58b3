import type { HeadersFunction, LoaderFunctionArgs } from "@remix-run/node";
import { Link, Outlet, useLoaderData, useRouteError } from "@remix-run/react";
import { boundary } from "@shopify/shopify-app-remix/server";
import { AppProvider } from "@shopify/shopify-app-remix/react";
import { NavMenu } from "@shopify/app-bridge-react";
import polarisStyles from "@shopify/polaris/build/esm/styles.css?url";

import { authenticate } from "~/shopify.server";
import { env } from "~/env.server";
import { prisma } from "~/db.server";
import { loadHealth } from "~/activity/query.server";
import { HealthBanner } from "~/components/HealthBanner";

export const links = () => [{ rel: "stylesheet", href: polarisStyles }];

export const loader = async ({ request }: LoaderFunctionArgs) => {
  const { session } = await authenticate.admin(request);
  const config = env();
  return {
    health: await loadHealth(prisma, session.shop),
    apiKey: config.SHOPIFY_API_KEY,
    // Only with the local simulator: App Bridge cannot load from Shopify's CDN there.
    appBridgeUrl: config.SHOPIFY_ADMIN_ORIGIN ? `${config.SHOPIFY_ADMIN_ORIGIN}/app-bridge.js` : undefined,
  };
};

export default function App() {
  const { apiKey, appBridgeUrl, health } = useLoaderData<typeof loader>();
  return (
    <AppProvider isEmbeddedApp apiKey={apiKey} {...(appBridgeUrl ? { __APP_BRIDGE_URL: appBridgeUrl } : {})}>
      <NavMenu>
        <Link to="/app" rel="home">
          Home
        </Link>
        <Link to="/app/purchases">Purchases</Link>
        <Link to="/app/consent">Consent</Link>
        <Link to="/app/catalog">Catalog</Link>
        <Link to="/app/activity">Activity log</Link>
        <Link to="/app/settings">Settings</Link>
      </NavMenu>
      <HealthBanner health={health} />
      <Outlet />
    </AppProvider>
  );
}

// Shopify needs Remix to catch some thrown responses so that their headers are included in the response.
export function ErrorBoundary() {
  return boundary.error(useRouteError());
}

export const headers: HeadersFunction = (headersArgs) => boundary.headers(headersArgs);
