import { defineImage } from "imgc";

import { ports } from "./settings.ts";

export default defineImage({
  name: "hello",
  ports: [ports.wbe ?? 8080],
});
