// Which signed-in users the register hands to the field screens (static/js/field.js). Its
// own small module: the register's first screen decides without loading the field code.
export const FIELD_ROLES = ['grid_worker', 'field_agent'];

export function isFieldUser(user) {
  return Boolean(user) && FIELD_ROLES.includes(user.role);
}
