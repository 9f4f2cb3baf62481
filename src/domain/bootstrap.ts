// First start on an empty store: the default pool and the first console administrator,
// from the environment or generated. Generated credentials are returned so that the caller
// prints them, once: on any later start nothing is created and nothing is returned.
import type { Config } from '../config.ts';
import { newSecret } from './ids.ts';
import type { Services } from './services.ts';

export interface BootstrapReport {
  pool?: { id: string; secret: string | null };
  admin?: { email: string; password: string | null };
}

export async function bootstrap(
  services: Services,
  config: Pick<Config, 'bootstrap'>,
): Promise<BootstrapReport> {
  const report: BootstrapReport = {};
  const { poolId, poolSecret, adminEmail, adminPassword } = config.bootstrap;

  if ((await services.pools.list()).length === 0) {
    const created = await services.pools.create({
      ...(poolId ? { id: poolId } : {}),
      name: 'Default pool',
      ...(poolSecret ? { secret: poolSecret } : {}),
    });
    if (created.ok) report.pool = { id: created.pool.id, secret: poolSecret ? null : created.secret };
  }

  if ((await services.admins.count()) === 0) {
    const email = adminEmail ?? 'admin@signoff.local';
    const password = adminPassword ?? newSecret().slice(0, 24);
    const admin = await services.admins.create(email, password);
    if (admin) report.admin = { email: admin.email, password: adminPassword ? null : password };
  }
  return report;
}

/** Where a person goes first: printed by the first start, logged by every start. */
export interface StartUrls {
  home: string;
  signIn: string;
  personalCenter: string;
  console: string;
  issuer: string;
  discovery: string;
  openapi: string;
  health: string;
}

/** The start URLs of a server at `publicUrl` (SIGNOFF_PUBLIC_URL). */
export function startUrls(publicUrl: string): StartUrls {
  // The default pool's issuer is always /oidc (services.issuerOf); other pools' are below it.
  const issuer = `${publicUrl}/oidc`;
  return {
    home: `${publicUrl}/`,
    signIn: `${publicUrl}/login`,
    personalCenter: `${publicUrl}/u`,
    console: `${publicUrl}/console`,
    issuer,
    discovery: `${issuer}/.well-known/openid-configuration`,
    openapi: `${publicUrl}/api/openapi.json`,
    health: `${publicUrl}/health`,
  };
}

/**
 * The lines printed on the start that created something — secrets only when generated — and,
 * with `urls`, where to go next. Null on any later start: nothing is printed then.
 */
export function describeBootstrap(report: BootstrapReport, urls?: StartUrls): string | null {
  if (!report.pool && !report.admin) return null;
  const lines = [
    '',
    '  Signoff first start: created the following. Generated secrets are shown this once.',
    '',
  ];
  if (report.pool) {
    lines.push(`  user pool id      ${report.pool.id}`);
    lines.push(`  user pool secret  ${report.pool.secret ?? '(from SIGNOFF_BOOTSTRAP_POOL_SECRET)'}`);
  }
  if (report.admin) {
    lines.push(`  console email     ${report.admin.email}`);
    lines.push(`  console password  ${report.admin.password ?? '(from SIGNOFF_ADMIN_PASSWORD)'}`);
  }
  if (urls) {
    lines.push(
      '',
      `  sign-in           ${urls.signIn}`,
      `  personal center   ${urls.personalCenter}`,
      `  console           ${urls.console}`,
      `  OIDC issuer       ${urls.issuer}`,
      `  OIDC discovery    ${urls.discovery}`,
      `  API (OpenAPI)     ${urls.openapi}`,
      `  health            ${urls.health}`,
    );
  }
  lines.push('');
  return lines.join('\n');
}
