import { CONFUSABLES_VERSION, nameSkeleton } from "../../shared";

/**
 * Stored skeletons (name holds, bans) are computed with one version of
 * Unicode's confusables data. When the data changes, a name's skeleton may
 * too (ш, ő, þ did in 17.0), and a hold or ban keyed by the old one would stop
 * matching its look-alikes. So a room recomputes them from the stored names
 * once per data version, before anything reads them; two holds that now
 * collide keep the one used last.
 */
export function refreshSkeletons(sql: SqlStorage): void {
  const row = sql.exec<{ value: string }>("SELECT value FROM meta WHERE key = 'skeletons'").toArray()[0];
  if (row?.value === CONFUSABLES_VERSION) return;
  const holds = sql
    .exec<{ skeleton: string; identity: string; name: string; last_used: number }>(
      "SELECT skeleton, identity, name, last_used FROM names ORDER BY last_used",
    )
    .toArray();
  sql.exec("DELETE FROM names");
  for (const hold of holds) {
    sql.exec(
      "INSERT OR REPLACE INTO names (skeleton, identity, name, last_used) VALUES (?, ?, ?, ?)",
      nameSkeleton(hold.name),
      hold.identity,
      hold.name,
      hold.last_used,
    );
  }
  for (const ban of sql.exec<{ identity: string; name: string }>("SELECT identity, name FROM bans").toArray()) {
    sql.exec("UPDATE bans SET skeleton = ? WHERE identity = ?", nameSkeleton(ban.name), ban.identity);
  }
  sql.exec("INSERT OR REPLACE INTO meta (key, value) VALUES ('skeletons', ?)", CONFUSABLES_VERSION);
}
