export default function Stocktakes() {
  return null;
}
