export default function OpeningImport() {
  return null;
}
