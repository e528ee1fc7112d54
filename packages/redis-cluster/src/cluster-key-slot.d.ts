// Types of the cluster-key-slot package (ioredis' own slot function), which ships none.
declare module "cluster-key-slot" {
  /** The Redis Cluster hash slot (0-16383) of `key`: CRC16 of its hash tag, or of the whole key. */
  export default function calculateSlot(key: string | Buffer): number;
}
