export default function Expiry() {
  return null;
}
