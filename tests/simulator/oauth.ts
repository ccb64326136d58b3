import { raw, toJsonText } from "./json";
import { JwtError, verifyJwtHs256 } from "./jwt";
import type { SimStore } from "./store/store";

/**
 * POST /admin/oauth/access_token as @shopify/shopify-api 15 calls it: token exchange (session token → offline or
 * online access token, optionally expiring with a refresh token), the refresh-token grant, and the classic
 * authorization-code grant (client_id + client_secret + code, no grant_type).
 */

export const TOKEN_EXCHANGE_GRANT = "urn:ietf:params:oauth:grant-type:token-exchange";
export const ID_TOKEN_TYPE = "urn:ietf:params:oauth:token-type:id_token";
export const OFFLINE_TOKEN_TYPE = "urn:shopify:params:oauth:token-type:offline-access-token";
export const ONLINE_TOKEN_TYPE = "urn:shopify:params:oauth:token-type:online-access-token";

const ONLINE_TTL_SEC = 86_399;
const EXPIRING_OFFLINE_TTL_SEC = 3_600;
const REFRESH_TTL_SEC = 7_776_000;

export interface OAuthDeps {
  store: SimStore;
  apiKey: string;
  apiSecret: string;
}

export interface OAuthResponse {
  status: number;
  /** Raw JSON text (user ids are written as bare numbers). */
  body: string;
}

const err = (status: number, error: string, description: string): OAuthResponse => ({
  status,
  body: JSON.stringify({ error, error_description: description }),
});

export function handleAccessToken(deps: OAuthDeps, shopDomain: string, params: Record<string, unknown>): OAuthResponse {
  const { store } = deps;
  const shop = store.findShop(shopDomain);
  if (!shop) return { status: 404, body: JSON.stringify({ errors: "Not Found" }) };
  if (params.client_id !== deps.apiKey || params.client_secret !== deps.apiSecret) {
    return err(400, "invalid_client", "Client authentication failed: the client_id or client_secret is not valid for this app.");
  }
  const grant = typeof params.grant_type === "string" ? params.grant_type : params.code ? "authorization_code" : "";
  const scope = () => shop.installation.scopes.join(",");

  if (grant === TOKEN_EXCHANGE_GRANT) {
    if (params.subject_token_type !== ID_TOKEN_TYPE) return err(400, "invalid_request", `subject_token_type must be ${ID_TOKEN_TYPE}`);
    if (typeof params.subject_token !== "string" || !params.subject_token) return err(400, "invalid_request", "subject_token is required");
    let claims: Record<string, unknown>;
    try {
      claims = verifyJwtHs256(params.subject_token, deps.apiSecret, { now: store.now() });
    } catch (e) {
      const reason = e instanceof JwtError ? e.message : "malformed token";
      return err(400, "invalid_subject_token", `Failed to verify the session token: ${reason}`);
    }
    if (claims.aud !== deps.apiKey) return err(400, "invalid_subject_token", "Session token audience does not match the client_id");
    if (claims.dest !== `https://${shop.domain}`) return err(400, "invalid_subject_token", "Session token was issued for another shop");
    if (!shop.installation.installed) return err(400, "invalid_subject_token", "The app is not installed on this shop");
    const requested = params.requested_token_type;
    if (requested === OFFLINE_TOKEN_TYPE) {
      const expiring = params.expiring === "1" || params.expiring === 1 || params.expiring === true;
      const { token, refreshToken } = store.issueToken(shop.domain, "offline", {
        expiresInSec: expiring ? EXPIRING_OFFLINE_TTL_SEC : null,
        withRefreshToken: expiring,
      });
      const body: Record<string, unknown> = { access_token: token.token, scope: scope() };
      if (expiring) Object.assign(body, { expires_in: EXPIRING_OFFLINE_TTL_SEC, refresh_token: refreshToken, refresh_token_expires_in: REFRESH_TTL_SEC });
      return { status: 200, body: JSON.stringify(body) };
    }
    if (requested === ONLINE_TOKEN_TYPE) {
      const userId = /^\d+$/.test(String(claims.sub)) ? String(claims.sub) : "1";
      const { token } = store.issueToken(shop.domain, "online", { userId, expiresInSec: ONLINE_TTL_SEC });
      return {
        status: 200,
        body: toJsonText({
          access_token: token.token,
          scope: scope(),
          expires_in: ONLINE_TTL_SEC,
          associated_user_scope: scope(),
          session: typeof claims.sid === "string" ? claims.sid : null,
          account_number: 0,
          associated_user: {
            id: raw(userId),
            first_name: "Syncline",
            last_name: "Owner",
            email: shop.email,
            account_owner: true,
            locale: "en",
            collaborator: false,
            email_verified: true,
          },
        }),
      };
    }
    return err(400, "invalid_request", `requested_token_type must be ${OFFLINE_TOKEN_TYPE} or ${ONLINE_TOKEN_TYPE}`);
  }

  if (grant === "refresh_token") {
    const rt = typeof params.refresh_token === "string" ? shop.refreshTokens.get(params.refresh_token) : undefined;
    if (!rt || rt.expiresAt <= store.now() || !shop.installation.installed) return err(400, "invalid_grant", "The refresh token is invalid or expired");
    shop.refreshTokens.delete(String(params.refresh_token));
    shop.tokens.delete(rt.accessToken);
    const { token, refreshToken } = store.issueToken(shop.domain, "offline", { expiresInSec: EXPIRING_OFFLINE_TTL_SEC, withRefreshToken: true });
    return {
      status: 200,
      body: JSON.stringify({
        access_token: token.token,
        scope: scope(),
        expires_in: EXPIRING_OFFLINE_TTL_SEC,
        refresh_token: refreshToken,
        refresh_token_expires_in: REFRESH_TTL_SEC,
      }),
    };
  }

  if (grant === "authorization_code") {
    if (typeof params.code !== "string" || !store.consumeAuthCode(shop.domain, params.code)) {
      return err(400, "invalid_request", "The authorization code was not found or was already used");
    }
    store.install(shop.domain);
    const { token } = store.issueToken(shop.domain, "offline");
    return { status: 200, body: JSON.stringify({ access_token: token.token, scope: scope() }) };
  }

  return err(400, "unsupported_grant_type", `grant_type ${String(params.grant_type ?? "(missing)")} is not supported`);
}
