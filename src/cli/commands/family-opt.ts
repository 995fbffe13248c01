// --family of plan, sweep design and the studies (train reads it through its config pass, train/cli-config.ts).
import { optStr, type ParsedArgs } from "../command.js";
import { UserError } from "../../core/errors.js";
import { FAMILY_NAMES, type FamilyName } from "../../scaling/families.js";

export function familyOpt(args: ParsedArgs): FamilyName | undefined {
  const v = optStr(args, "family");
  if (v === undefined) return undefined;
  if (!(FAMILY_NAMES as readonly string[]).includes(v)) throw new UserError(`--family: expected ${FAMILY_NAMES.join(" or ")}, got '${v}'`, 2);
  return v as FamilyName;
}
