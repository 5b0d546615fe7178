/**
 * A campaign's ObsCore records, made from its products as they are asked for. Reading a
 * header is the cost, so each product's description is kept, keyed by its checksum: a
 * product rewritten by a re-run is read again, nothing else is.
 */
import { basename } from "node:path";
import { coerceError } from "../domain/errors.js";
import type { CampaignStore, ProductRow } from "../store/store.js";
import { OBSCORE_KINDS, obscoreRecord, readImageDescription, type ImageDescription, type ObsCoreRecord, type PublishContext } from "./obscore.js";

/** Images that go with a science image (masks, spectral index, Taylor terms): not ObsCore records. */
const AUXILIARY = /\.(mask|alpha|alpha\.error|tt1|tt2|residual|model|psf|sumwt|weight|image)(\.pbcor)?\.fits(\.gz)?$/i;

export function isScienceImage(product: Pick<ProductRow, "kind" | "path">): boolean {
  return OBSCORE_KINDS.includes(product.kind) && !AUXILIARY.test(basename(product.path));
}

export interface CatalogueProblem {
  readonly productId: string;
  readonly path: string;
  readonly message: string;
}

export interface CatalogueAnswer {
  readonly records: readonly (ObsCoreRecord & { readonly productId: string })[];
  /** Products whose header could not be read, and why: listed, never dropped silently. */
  readonly problems: readonly CatalogueProblem[];
}

export class ObsCoreCatalogue {
  private readonly descriptions = new Map<string, ImageDescription | Error>();

  constructor(
    private readonly store: CampaignStore,
    private readonly context: PublishContext,
  ) {}

  async answer(): Promise<CatalogueAnswer> {
    const products = (await this.store.listProducts(this.context.campaignId, { kinds: OBSCORE_KINDS })).filter(isScienceImage);
    const records: (ObsCoreRecord & { productId: string })[] = [];
    const problems: CatalogueProblem[] = [];
    for (const product of products) {
      const description = await this.describe(product);
      if (description instanceof Error) problems.push({ productId: product.id, path: product.path, message: description.message });
      else records.push({ ...obscoreRecord(product, description, this.context), productId: product.id });
    }
    return { records, problems };
  }

  private async describe(product: ProductRow): Promise<ImageDescription | Error> {
    const key = `${product.id}\n${product.sha256}`;
    const known = this.descriptions.get(key);
    if (known !== undefined) return known;
    let value: ImageDescription | Error;
    try {
      value = await readImageDescription(product.path);
    } catch (caught) {
      value = coerceError(caught);
    }
    this.descriptions.set(key, value);
    return value;
  }
}
