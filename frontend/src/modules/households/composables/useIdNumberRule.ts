import type { FormItemRule } from 'element-plus'
import { t } from '@/i18n'
import { validateIdNumber } from '../validators/idNumber'

/** el-form rule: the resident ID checksum and birth date are checked as the user types. */
export function idNumberRules(required = true): FormItemRule[] {
  return [
    {
      trigger: ['change', 'blur'],
      validator: (_rule, value: string, callback) => {
        if (!value && !required) return callback()
        const r = validateIdNumber(value ?? '')
        if (r.valid) return callback()
        callback(new Error(t(`idNumber.${r.code}`)))
      },
    },
  ]
}

/** Chinese hint under a valid number: "校验通过：1980-01-01出生，男". */
export function idNumberHint(value: string | null | undefined): string {
  const r = validateIdNumber(value ?? '')
  if (!r.valid) return ''
  return t('members.idHintOk', { birth: r.birthDate, gender: r.gender === '1' ? t('members.genderMale') : t('members.genderFemale') })
}
