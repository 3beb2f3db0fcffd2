export default function StockList() {
  return null;
}
