export default function greeter() {
  return {
    greet: () => 'service-1',
  };
}
