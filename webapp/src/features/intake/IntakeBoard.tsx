export function IntakeBoard() {
  return <p>Coming.</p>;
}
