/** Rooms, the admin guard and the link limit see a hash of the client's address, never the address. */
export async function addressKey(ip: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(`parley-address:${ip}`));
  return btoa(String.fromCharCode(...new Uint8Array(digest, 0, 12)));
}
