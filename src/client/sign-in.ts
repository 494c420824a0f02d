// Signed-in deployments: the deployer's app sends the person here with
// `?token=...`. The token is kept for this tab only (sessionStorage) and taken
// out of the address bar, so it is not bookmarked, shared or left in history.
// Without one, the `parley_token` cookie (if the app set it) is sent as is.

const TOKEN_KEY = "parley:token";

export function takeToken(): string | null {
  const url = new URL(location.href);
  const fromUrl = url.searchParams.get("token");
  if (fromUrl) {
    try {
      sessionStorage.setItem(TOKEN_KEY, fromUrl);
    } catch {
      // Not kept: this visit still has it.
    }
    url.searchParams.delete("token");
    history.replaceState(history.state, "", url);
    return fromUrl;
  }
  try {
    return sessionStorage.getItem(TOKEN_KEY);
  } catch {
    return null;
  }
}

/** Forgets a token the room refused (expired): the next visit asks the app again. */
export function forgetToken(): void {
  try {
    sessionStorage.removeItem(TOKEN_KEY);
  } catch {
    // Nothing kept.
  }
}
