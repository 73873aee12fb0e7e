import { copy, defineImage } from "imgc";

export default defineImage({
  name: "hello",
  files: [copy("./public", "/srv/www/../../etc")],
});
