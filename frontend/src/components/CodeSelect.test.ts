/* eslint-disable vue/one-component-per-file -- Element Plus stand-ins beside the component under test */
import { describe, expect, it } from 'vitest'
import { defineComponent, h, ref } from 'vue'
import { mount } from '@vue/test-utils'
import { createPinia, setActivePinia } from 'pinia'
import CodeSelect from './CodeSelect.vue'
import { useCodesStore } from '@/stores/codes'
import { setLocale } from '@/i18n'

// el-select and el-option stand-ins: what CodeSelect passes them is what matters here
const ElSelect = defineComponent({
  name: 'ElSelect',
  props: {
    modelValue: { type: null, default: null },
    multiple: Boolean,
    clearable: Boolean,
    filterable: Boolean,
    disabled: Boolean,
    persistent: Boolean,
    placeholder: { type: String, default: undefined },
    multipleLimit: { type: Number, default: 0 },
  },
  emits: ['update:modelValue'],
  setup: (props, { slots, emit }) => () =>
    h('div', { class: 'select', 'data-multiple': String(!!props.multiple), onClick: () => emit('update:modelValue', props.multiple ? ['02'] : '02') }, slots.default?.()),
})
const ElOption = defineComponent({ name: 'ElOption', props: { value: { type: String, required: true }, label: { type: String, required: true } }, setup: (props) => () => h('span', { class: 'opt', 'data-value': props.value }, props.label) })

function withCodes() {
  const pinia = createPinia()
  setActivePinia(pinia)
  useCodesStore().tables = {
    poverty_cause: [
      { code: '01', zh: '因病', en: 'Illness' },
      { code: '02', zh: '因残', en: 'Disability' },
      { code: '03', zh: '因学', en: 'Schooling' },
    ],
  } as never
  return pinia
}

describe('CodeSelect', () => {
  it('offers the codes of its table in the UI language, without the excluded ones, and updates v-model', async () => {
    setLocale('zh-CN')
    const pinia = withCodes()
    const value = ref<string | null>('01')
    const w = mount(
      defineComponent({
        setup: () => () => h(CodeSelect, { table: 'poverty_cause', exclude: ['03'], modelValue: value.value, 'onUpdate:modelValue': (v: unknown) => (value.value = v as string | null) }),
      }),
      { global: { plugins: [pinia], stubs: { ElSelect, ElOption } } },
    )
    expect(w.findAll('.opt').map((o) => o.text())).toEqual(['因病', '因残'])
    await w.find('.select').trigger('click')
    expect(value.value).toBe('02')
    setLocale('en')
    await w.vm.$nextTick()
    expect(w.findAll('.opt').map((o) => o.text())).toEqual(['Illness', 'Disability'])
    setLocale('zh-CN')
  })

  it('passes multiple and the element attributes on', () => {
    const pinia = withCodes()
    const w = mount(CodeSelect, {
      props: { table: 'poverty_cause', multiple: true, modelValue: [] as string[] },
      attrs: { 'data-test': 'causes' },
      global: { plugins: [pinia], stubs: { ElSelect, ElOption } },
    })
    expect(w.find('.select').attributes('data-multiple')).toBe('true')
    expect(w.find('[data-test="causes"]').exists()).toBe(true)
    expect(w.findAll('.opt')).toHaveLength(3)
  })
})
