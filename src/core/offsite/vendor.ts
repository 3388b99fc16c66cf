// The third-party half of off-site copies, bundled alone into dist/offsite.js (~450 KB minified)
// so that activation and local-only use never load it: the AWS SDK (S3 client, multipart Upload)
// and age. Nothing here but re-exports; our own code stays in the main bundles (one copy of the
// engine and its error classes) and reaches these values only through `vendor()` in lazy.ts.
export {
  S3Client, HeadBucketCommand, HeadObjectCommand, GetObjectCommand, PutObjectCommand, DeleteObjectCommand,
  ListObjectsV2Command, ListMultipartUploadsCommand, AbortMultipartUploadCommand, CreateBucketCommand,
} from '@aws-sdk/client-s3';
export { Upload } from '@aws-sdk/lib-storage';
export { Encrypter, Decrypter, generateX25519Identity, identityToRecipient } from 'age-encryption';
