export function Billing() {
  return <p>Coming.</p>;
}
