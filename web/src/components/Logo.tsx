/** The ScaiDrive mark (assets/scaidrive-logo.svg, served as /favicon.svg); decorative beside the product name. */
export function Logo({ size }: { size: number }) {
  return <img src="/favicon.svg" width={size} height={size} alt="" />;
}
