import { cloudflare } from "@cloudflare/vite-plugin";
import { defineConfig } from "vite";

// A plain Cloudflare Vite config: nothing here knows about the inspector. `npm run dev` (alarm-inspector vite) adds it.
export default defineConfig({
  plugins: [cloudflare()],
});
