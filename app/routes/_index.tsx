import type { LoaderFunctionArgs } from "@remix-run/node";
import { redirect } from "@remix-run/node";

/** Shopify opens embedded apps at /app; a request for / with a shop is sent there with its parameters. */
export const loader = async ({ request }: LoaderFunctionArgs) => {
  const url = new URL(request.url);
  if (url.searchParams.get("shop")) throw redirect(`/app?${url.searchParams.toString()}`);
  return new Response("Syncline is a Shopify app: open it from your store's admin.", {
    headers: { "Content-Type": "text/plain; charset=utf-8" },
  });
};
