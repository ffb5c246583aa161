export function GroupRoster() {
  return <p>Coming.</p>;
}
