export default function StockCard() {
  return null;
}
