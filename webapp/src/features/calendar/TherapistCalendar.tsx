export function TherapistCalendar() {
  return <p>Coming.</p>;
}
