export function Reports() {
  return <p>Coming.</p>;
}
