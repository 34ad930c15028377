/** A resource id of the API (project, instance, app, API): what may go into a request path. */
export const ID = /^[A-Za-z0-9_-]{1,64}$/;
/** {@link ID} in words. */
export const ID_RULE = "1 to 64 letters, digits, '-' or '_'";
