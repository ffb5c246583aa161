export function Messages() {
  return <p>Coming.</p>;
}
