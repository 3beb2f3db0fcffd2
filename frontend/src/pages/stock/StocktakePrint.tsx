export default function StocktakePrint() {
  return null;
}
