// Loads the vendor bundle on first use. From the sources (tests via tsx) this requires
// ./vendor; in the shipped bundles scripts/build.mjs turns that require into one of
// dist/offsite.js, which sits beside dist/cli.js and dist/extension.js. Node caches the module.
import type * as Vendor from './vendor';

export type VendorModule = typeof Vendor;

export function vendor(): VendorModule {
  // The SDK is pinned to a release that supports Node 20 on purpose (docs/ops); its once-per-process
  // "upgrade to Node 22" warning would otherwise break the CLI's one line on stderr.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- a lazy load is the point: see the header
  return require('./vendor') as VendorModule;
}
