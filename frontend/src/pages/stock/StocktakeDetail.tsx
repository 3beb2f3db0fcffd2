export default function StocktakeDetail() {
  return null;
}
