export default function Consumption() {
  return null;
}
